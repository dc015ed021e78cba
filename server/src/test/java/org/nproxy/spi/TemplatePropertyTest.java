package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/** Issue 18, fuzzing: any text is a template (a stray {@code $} stays literal); rendering never throws. */
class TemplatePropertyTest {
    static String dollars(Gen g) {
        return g.string("$${}_abcXY019-/ ", 0, 40);
    }

    @Test
    void anyTextParsesAndRenders() {
        Gen.forAll(18_201, 3000, g -> {
            String text = dollars(g);
            Template.parse(text).render(name -> "<" + name + ">");
            Template.parse(text).render(name -> null);
        });
    }

    /** Constant exactly when no lookup happens while rendering (what ReturnHandler encodes once). */
    @Test
    void constantMeansRenderingLooksNothingUp() {
        Gen.forAll(18_204, 3000, g -> {
            Template t = Template.parse(dollars(g));
            boolean[] looked = {false};
            t.render(name -> {
                looked[0] = true;
                return null;
            });
            assertEquals(!looked[0], t.isConstant());
        });
        assertEquals(true, Template.parse("cost $$5, ${").isConstant());
        assertEquals(false, Template.parse("hi $host").isConstant());
    }

    @Test
    void anyStringParsesAndRenders() {
        Gen.forAll(18_202, 1000, g -> Template.parse(g.anyString(255)).render(name -> ""));
    }

    @Test
    void textWithoutDollarIsLiteral() {
        Gen.forAll(18_203, 1000, g -> {
            String plain = g.anyString(255).replace("$", "");
            assertEquals(plain, Template.parse(plain).render(name -> "X"));
        });
    }
}
