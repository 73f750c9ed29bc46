package org.chat21.camel.ratelimit;

import org.chat21.camel.common.ApiException;

/** A request over its rate limit: 429 (routes/policies.yaml maps every ApiException to its status). */
public class RateLimitedException extends ApiException {

    public RateLimitedException(String err) {
        super(429, err);
    }
}
