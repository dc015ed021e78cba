package org.nproxy.config.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;


import org.nproxy.config.ConfigError;
import org.nproxy.spi.Origin;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads one XML file into a {@link XmlElement} tree that remembers the exact
 * {@code line:column} of every element and attribute, substituting {@code ${...}} as it goes.
 * SAX only reports where a start tag ends, so positions are recovered from the file text.
 * One reader serves one load (the main file and its includes) and holds it within
 * {@link ConfigBounds}: too big a file is refused before it is read, too many or too deeply
 * nested elements stop the parse where the bound is crossed, with that {@code file:line:column}.
 */
public final class XmlReader {
    private final Substitutor substitutor;
    private final Consumer<ConfigError> errors;
    private final ConfigBounds bounds;
    private long bytesRead;
    private int elementsRead;

    /** A reader bounded by {@link ConfigBounds#fromSystemProperties()}. */
    public XmlReader(Substitutor substitutor, Consumer<ConfigError> errors) {
        this(substitutor, errors, ConfigBounds.fromSystemProperties());
    }

    public XmlReader(Substitutor substitutor, Consumer<ConfigError> errors, ConfigBounds bounds) {
        this.substitutor = substitutor;
        this.errors = errors;
        this.bounds = bounds;
    }

    /** Returns the root element, or null after reporting why the file could not be read. */
    public XmlElement read(Path file) {
        String text;
        try {
            long size = Files.size(file);
            if (size > bounds.maxBytes() - bytesRead) {
                errors.accept(new ConfigError(new Origin(file, 1, 1), "the configuration is too big: " + size + " bytes"
                    + (bytesRead > 0 ? " after " + bytesRead + " in other files" : "") + ", more than nproxy.config.max-bytes="
                    + bounds.maxBytes(), "a smaller configuration, or raise -Dnproxy.config.max-bytes"));
                return null;
            }
            bytesRead += size;
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.accept(new ConfigError(new Origin(file, 1, 1), "cannot read file: " + e, "a readable UTF-8 XML file"));
            return null;
        }
        Positions positions = new Positions(text);
        Builder builder = new Builder(file, text, positions);
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            SAXParser parser = factory.newSAXParser();
            parser.parse(new InputSource(new StringReader(text)), builder);
        } catch (TooBig e) {
            errors.accept(new ConfigError(e.at, e.getMessage(), e.expected));
            return null;
        } catch (SAXParseException e) {
            errors.accept(new ConfigError(new Origin(file, Math.max(1, e.getLineNumber()), Math.max(1, e.getColumnNumber())),
                "XML syntax error: " + String.valueOf(e.getMessage()).replaceAll("\\.$", ""), "well-formed XML"));
            return null;
        } catch (Exception e) {
            errors.accept(new ConfigError(new Origin(file, 1, 1), "cannot parse: " + e.getMessage(), "well-formed XML"));
            return null;
        }
        return builder.root;
    }

    private final class Builder extends DefaultHandler {
        private final Path file;
        private final String text;
        private final Positions positions;
        private final Deque<XmlElement> stack = new ArrayDeque<>();
        private final Deque<StringBuilder> texts = new ArrayDeque<>();
        private Locator locator;
        private XmlElement root;

        Builder(Path file, String text, Positions positions) {
            this.file = file;
            this.text = text;
            this.positions = positions;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attrs) throws TooBig {
            int tagEnd = positions.offset(locator.getLineNumber(), locator.getColumnNumber());
            int tagStart = text.lastIndexOf("<" + qName, Math.max(0, tagEnd - 1));
            if (tagStart < 0) {
                tagStart = Math.max(0, tagEnd - 1);
            }
            if (++elementsRead > bounds.maxElements()) {
                throw new TooBig(positions.origin(file, tagStart), "more than nproxy.config.max-elements="
                    + bounds.maxElements() + " elements in the configuration",
                    "fewer elements (one location per pattern, not per URL), or raise -Dnproxy.config.max-elements");
            }
            if (stack.size() >= bounds.maxDepth()) {
                throw new TooBig(positions.origin(file, tagStart), "elements nested more than nproxy.config.max-depth="
                    + bounds.maxDepth() + " deep", "a flatter configuration");
            }
            XmlElement element = new XmlElement(qName, positions.origin(file, tagStart), errors);
            String tag = text.substring(tagStart, Math.max(tagStart, Math.min(tagEnd, text.length())));
            for (int i = 0; i < attrs.getLength(); i++) {
                String attr = attrs.getQName(i);
                Matcher m = Pattern.compile("\\s" + Pattern.quote(attr) + "\\s*=").matcher(tag);
                Origin at = m.find() ? positions.origin(file, tagStart + m.start() + 1) : element.origin();
                element.putAttribute(attr, substitutor.substitute(attrs.getValue(i), at, errors), at);
            }
            if (stack.isEmpty()) {
                root = element;
            } else {
                stack.peek().addChild(element);
            }
            stack.push(element);
            texts.push(new StringBuilder());
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!texts.isEmpty()) {
                texts.peek().append(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            XmlElement element = stack.pop();
            String body = texts.pop().toString().strip();
            if (!body.isEmpty()) {
                String substituted = substitutor.substitute(body, element.origin(), errors);
                element.setText(substituted == null ? "" : substituted);
            }
        }
    }

    /** Stops the parse where a bound is crossed. */
    private static final class TooBig extends org.xml.sax.SAXException {
        private static final long serialVersionUID = 1L;
        private final transient Origin at;
        private final String expected;

        TooBig(Origin at, String problem, String expected) {
            super(problem);
            this.at = at;
            this.expected = expected;
        }
    }

    /** Maps between (line, column) and offsets in the file text. */
    private static final class Positions {
        private final int[] lineStarts;

        Positions(String text) {
            int lines = 1;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    lines++;
                }
            }
            lineStarts = new int[lines];
            int line = 1;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    lineStarts[line++] = i + 1;
                }
            }
        }

        int offset(int line, int column) {
            int l = Math.min(Math.max(line, 1), lineStarts.length) - 1;
            return lineStarts[l] + Math.max(column - 1, 0);
        }

        Origin origin(Path file, int offset) {
            int lo = 0;
            int hi = lineStarts.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (lineStarts[mid] <= offset) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return new Origin(file, lo + 1, offset - lineStarts[lo] + 1);
        }
    }
}
