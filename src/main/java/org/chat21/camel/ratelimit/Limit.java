package org.chat21.camel.ratelimit;

/**
 * The settings of one kind of rate limit (application.properties {@code chat21.ratelimit.*}), bound by the
 * {@code rateLimits} bean of routes/beans.yaml: a token bucket per user and one per app, each a rate (tokens
 * per second, a decimal; 0 = off) and a burst (the bucket's size: requests that may come at once after a
 * quiet spell; 0 = one second's worth of the rate, at least 1).
 */
public class Limit {
    private double perSecond;
    private long burst;
    private double appPerSecond;
    private long appBurst;

    public Limit() {
    }

    public Limit(double perSecond, long burst, double appPerSecond, long appBurst) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.appPerSecond = appPerSecond;
        this.appBurst = appBurst;
    }

    public double getPerSecond() {
        return perSecond;
    }

    public void setPerSecond(double perSecond) {
        this.perSecond = requireRate(perSecond);
    }

    public long getBurst() {
        return burst;
    }

    public void setBurst(long burst) {
        this.burst = requireBurst(burst);
    }

    public double getAppPerSecond() {
        return appPerSecond;
    }

    public void setAppPerSecond(double appPerSecond) {
        this.appPerSecond = requireRate(appPerSecond);
    }

    public long getAppBurst() {
        return appBurst;
    }

    public void setAppBurst(long appBurst) {
        this.appBurst = requireBurst(appBurst);
    }

    /** The bucket size of a rate and its configured burst. */
    static long capacity(double perSecond, long burst) {
        return burst > 0 ? burst : Math.max(1, (long) Math.ceil(perSecond));
    }

    private static double requireRate(double rate) {
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("a rate limit is a rate per second >= 0 (0 = off), not " + rate);
        }
        return rate;
    }

    private static long requireBurst(long burst) {
        if (burst < 0) {
            throw new IllegalArgumentException("a burst is >= 0 (0 = one second's worth), not " + burst);
        }
        return burst;
    }
}
