package io.ksiem.alarm;

/** Risk classes (docs/dsiem-reference.md §7.3): below medRiskMin Low, up to medRiskMax Medium, above it High. */
public final class RiskClass {
  private RiskClass() {
  }

  public static String of(int risk, int medRiskMin, int medRiskMax) {
    if (risk < medRiskMin) {
      return "Low";
    }
    return risk <= medRiskMax ? "Medium" : "High";
  }
}
