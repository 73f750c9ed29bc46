package org.chat21.camel.infra;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.common.StartupFailure;

import java.util.List;

/**
 * A store or broker URI left unset needs the embedded stand-ins; in an image without them (the Dockerfile's
 * default) that is a configuration error, told in one line, before anything starts. The first configuration.
 */
public class StandIns implements CamelConfiguration {
    /** Classes of the embedded stand-ins, which the production image leaves out (deploy/standins.txt). */
    private static final List<String> STAND_IN_CLASSES = List.of("de.bwaldvogel.mongo.MongoServer",
            "de.bwaldvogel.mongo.backend.h2.H2Backend", "org.h2.mvstore.MVStore", "org.apache.qpid.server.SystemLauncher");

    @PropertyInject("chat21.mongodb.uri")
    String mongoUri;
    @PropertyInject("chat21.rabbitmq.uri")
    String rabbitUri;

    @Override
    public void configure(CamelContext context) {
        requireStandIns(mongoUri.trim().isEmpty(), rabbitUri.trim().isEmpty());
    }

    static void requireStandIns(boolean noMongoUri, boolean noRabbitUri) {
        if (!noMongoUri && !noRabbitUri) {
            return;
        }
        for (String name : STAND_IN_CLASSES) {
            try {
                Class.forName(name, false, StandIns.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                String unset = noMongoUri && noRabbitUri ? "MONGODB_URI and RABBITMQ_URI are" : noMongoUri
                        ? "MONGODB_URI is" : "RABBITMQ_URI is";
                throw new StartupFailure(unset + " not set, and the embedded stand-ins (mongo-java-server, "
                        + "Qpid Broker-J) are not in this image: set MONGODB_URI and RABBITMQ_URI to your MongoDB "
                        + "and RabbitMQ (or build the image with --build-arg STANDINS=true)");
            }
        }
    }
}
