package io.edgeproxy.examples;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Stands in for the proxy in a jar the launcher test runs: prints the settings the JVM really
 * applied, one {@code name=value} a line.
 */
public final class PrintJvmSettings {

    private PrintJvmSettings() {
    }

    public static void main(String[] args) {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            System.out.println("gc=" + gc.getName());
        }
        for (String option : new String[] {"ThreadStackSize", "TieredStopAtLevel", "InitialHeapSize", "MaxNewSize", "UseSerialGC"}) {
            System.out.println(option + "=" + hotSpot.getVMOption(option).getValue());
        }
        for (String arg : args) {
            System.out.println("arg=" + arg);
        }
    }
}
