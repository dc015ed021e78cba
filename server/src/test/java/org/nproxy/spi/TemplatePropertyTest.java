package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Issue 18, fuzzing: any text is a template (a stray {@code $} stays literal); rendering never throws. */
class TemplatePropertyTest {
    @Provide
    Arbitrary<String> dollars() {
        return Arbitraries.strings().withChars("$${}_abcXY019-/ ").ofMaxLength(40);
    }

    @Property(tries = 3000)
    void anyTextParsesAndRenders(@ForAll("dollars") String text) {
        Template.parse(text).render(name -> "<" + name + ">");
        Template.parse(text).render(name -> null);
    }

    @Property(tries = 1000)
    void anyStringParsesAndRenders(@ForAll String text) {
        Template.parse(text).render(name -> "");
    }

    @Property(tries = 1000)
    void textWithoutDollarIsLiteral(@ForAll String text) {
        String plain = text.replace("$", "");
        assertEquals(plain, Template.parse(plain).render(name -> "X"));
    }
}
