package org.chat21.camel;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An integration test on the machine's RabbitMQ: checked once per JVM before the class starts
 * ({@link TestBroker}); without it the class fails at once with one line naming the set-up command, and
 * neither its {@code @BeforeAll} nor its {@code @AfterAll} methods run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TestBroker.Check.class)
@interface RequiresRabbitMQ {
    /** Also RabbitMQ's Web-MQTT listener with the OAuth2 login of Chat21 clients (TEST_WEB_MQTT_URI). */
    boolean webMqtt() default false;
}
