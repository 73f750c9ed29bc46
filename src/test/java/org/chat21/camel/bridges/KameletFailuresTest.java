package org.chat21.camel.bridges;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kamelet.KameletComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A bridge whose kamelet: endpoint lacks a property its Kamelet requires (kamelets/*.kamelet.yaml) does not
 * start, and the reason is one line naming the Kamelet and the property.
 */
class KameletFailuresTest {

    /** Starts a context whose one route sends to {@code uri}, with the shipped Kamelets; the start-up's failure. */
    static Exception startFailure(String uri) {
        CamelContext context = new DefaultCamelContext();
        KameletComponent kamelets = new KameletComponent();
        kamelets.setLocation("file:kamelets");
        context.addComponent("kamelet", kamelets);
        try {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:bridge").routeId("my-bridge").to(uri);
                }
            });
            return assertThrows(Exception.class, context::start);
        } catch (Exception e) {
            return e;
        } finally {
            context.stop();
        }
    }

    @Test
    void aMissingRequiredPropertyIsNamed() {
        Exception e = startFailure("kamelet:telegram-bridge-sink?chatId=-100123");
        assertEquals("kamelet:telegram-bridge-sink is missing the required property botToken "
                + "(its properties: file:kamelets/telegram-bridge-sink.kamelet.yaml)", KameletFailures.explain(e));
    }

    @Test
    void severalMissingPropertiesAreNamed() {
        Exception e = startFailure("kamelet:slack-bridge-sink?username=x");
        String told = KameletFailures.explain(e);
        assertEquals(true, told.startsWith("kamelet:slack-bridge-sink is missing the required properties "), told);
        assertEquals(true, told.contains("webhookUrl") && told.contains("channel"), told);
    }

    @Test
    void anUnknownKameletIsNamed() {
        Exception e = startFailure("kamelet:telegram-bridge-snk?chatId=-100123");
        assertEquals("there is no Kamelet telegram-bridge-snk: Resource not found: file:kamelets/telegram-bridge-snk.kamelet.yaml",
                KameletFailures.explain(e));
    }

    @Test
    void otherFailuresAreLeftAlone() {
        assertNull(KameletFailures.explain(new IllegalStateException("something else")));
    }
}
