package org.chat21.camel;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Every import points down: {@code common} (the shared vocabulary), {@code batch} (the batch: component) and
 * {@code broker} (confirmed publishing, reachability, queue declarations, the node list) stand on nothing of
 * ours but {@code common}; the features stand on those and on each other without a cycle; {@code infra}, the composition root, is used by the
 * entry point alone. Checked on the compiled classes of src/main (ArchUnit).
 */
class LayersTest {
    static final String ROOT = "org.chat21.camel";
    static JavaClasses classes;

    @BeforeAll
    static void read() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    @Test
    void brokerStandsOnCommonOnly() {
        noClasses().that().resideInAPackage(ROOT + ".broker..")
                .should().dependOnClassesThat().resideInAnyPackage(ourPackagesBut("common", "broker"))
                .check(classes);
    }

    @Test
    void batchStandsOnCommonOnly() {
        noClasses().that().resideInAPackage(ROOT + ".batch..")
                .should().dependOnClassesThat().resideInAnyPackage(ourPackagesBut("common", "batch"))
                .check(classes);
    }

    @Test
    void commonStandsOnNothingElseOfOurs() {
        noClasses().that().resideInAPackage(ROOT + ".common..")
                .should().dependOnClassesThat().resideInAnyPackage(ourPackagesBut("common"))
                .check(classes);
    }

    @Test
    void onlyTheEntryPointUsesTheCompositionRoot() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".infra..").and().doNotHaveFullyQualifiedName(ROOT + ".Application")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".infra..")
                .check(classes);
    }

    @Test
    void theFeaturesDependOnEachOtherWithoutACycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    /** Every package of ours (as ArchUnit patterns) but these. */
    static String[] ourPackagesBut(String... allowed) {
        java.util.Set<String> keep = java.util.Set.of(allowed);
        return classes.stream().map(c -> c.getPackageName())
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
                .distinct().filter(p -> !keep.contains(p))
                .map(p -> ROOT + "." + p + "..").toArray(String[]::new);
    }
}
