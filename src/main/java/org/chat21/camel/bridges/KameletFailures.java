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

    private KameletFailures() {
    }

    /** What the operator fixes, in one line, or null when the failure is not a Kamelet's. */
    public static String explain(Throwable failure) {
        FailedToCreateKameletException kamelet = null;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof FailedToCreateKameletException k) {
                kamelet = k;
            }
            Matcher missing = t.getMessage() == null ? null : MISSING.matcher(t.getMessage());
            if (kamelet != null && missing != null && missing.find()) {
                String names = missing.group(2).trim();
                return "kamelet:" + missing.group(1) + " is missing the required propert"
                        + (names.contains(",") ? "ies " : "y ") + names + " (its properties: "
                        + kamelet.getLocations() + "/" + missing.group(1) + ".kamelet.yaml)";
            }
            if (kamelet != null && t.getMessage() != null && t.getMessage().startsWith("Cannot find RouteTemplate with id")) {
                return "there is no Kamelet " + kamelet.getTemplateId() + " in " + kamelet.getLocations()
                        + " (a kamelet: endpoint names a file <name>.kamelet.yaml there)";
            }
        }
        return null;
    }
}
