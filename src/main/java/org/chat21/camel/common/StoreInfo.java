package org.chat21.camel.common;

/**
 * What the features need to know of the MongoDB store besides its database ({@code chatDb}), bound as
 * {@code storeInfo} by infra.StoreSetup, so that no feature reads the store's settings itself.
 *
 * @param timeoutMs    the operation timeout ({@code chat21.mongodb.timeout-ms}; 0: none)
 * @param uniqueCopies whether {@code messages (timelineOf, message_id)} is unique (infra.Indexes: on the
 *                     original Chat21's database it may not be)
 * @param standIn      whether it is the embedded stand-in (no {@code MONGODB_URI})
 */
public record StoreInfo(long timeoutMs, boolean uniqueCopies, boolean standIn) {
}
