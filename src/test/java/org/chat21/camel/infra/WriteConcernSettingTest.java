package org.chat21.camel.infra;

import com.mongodb.WriteConcern;
import org.chat21.camel.common.StartupFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteConcernSettingTest {

    @Test
    void majorityJournaledByDefault() {
        WriteConcern w = StoreSetup.writeConcern("majority");
        assertEquals("majority", w.getWString());
        assertTrue(w.getJournal());
    }

    @Test
    void aNumberOfMembers() {
        assertEquals(2, StoreSetup.writeConcern(" 2 ").getW());
    }

    @Test
    void anythingElseStopsTheStart() {
        for (String bad : new String[] {"0", "-1", "all", ""}) {
            StartupFailure e = assertThrows(StartupFailure.class, () -> StoreSetup.writeConcern(bad));
            assertTrue(e.getMessage().contains("MONGODB_WRITE_CONCERN"), e.getMessage());
        }
    }
}
