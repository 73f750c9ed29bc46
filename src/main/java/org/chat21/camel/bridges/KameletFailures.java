package org.chat21.camel.bridges;

import org.apache.camel.component.kamelet.FailedToCreateKameletException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bridge file that cannot start, told in one line: a {@code kamelet:} endpoint without a property its Kamelet
 * requires (kamelets/*.kamelet.yaml, {@code spec.definition.required}), or naming a Kamelet that does not exist.
 * Camel stops the start-up with a chain of exceptions (context veto, failed Kamelet, the template's
 * complaint); {@link org.chat21.camel.Application} logs {@link #explain} of it instead of the stack trace.
 */
public final class KameletFailures {
    /** Camel's message for a route template's missing parameters (DefaultModel.doAddRouteFromTemplate). */
    private static final Pattern MISSING =
            Pattern.compile("Route template (\\S+) the following mandatory parameters must be provided: (.+)");

    /** The veto of the context's start when a Kamelet's route cannot be made (KameletComponent). */
    private static final Pattern VETO = Pattern.compile("Failure creating route from template: (\\S+)");

    private KameletFailures() {
    }

    /** What the operator fixes, in one line, or null when the failure is not a Kamelet's. */
    public static String explain(Throwable failure) {
        FailedToCreateKameletException kamelet = null;
        String template = null;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof FailedToCreateKameletException k) {
                kamelet = k;
            }
            Matcher veto = t.getMessage() == null ? null : VETO.matcher(t.getMessage());
            if (veto != null && veto.find()) {
                template = veto.group(1);
            }
            if (template != null && t instanceof java.io.FileNotFoundException) {
                // the Kamelet's file is not where the kamelet component looks (camel.component.kamelet.location)
                return "there is no Kamelet " + template + ": " + t.getMessage();
            }
            Matcher missing = t.getMessage() == null ? null : MISSING.matcher(t.getMessage());
            if (kamelet != null && missing != null && missing.find()) {
                String names = missing.group(2).trim();
                return "kamelet:" + missing.group(1) + " is missing the required propert"
                        + (names.contains(",") ? "ies " : "y ") + names + " (its properties: "
                        + kamelet.getLocations() + "/" + missing.group(1) + ".kamelet.yaml)";
            }
        }
        return null;
    }
}
