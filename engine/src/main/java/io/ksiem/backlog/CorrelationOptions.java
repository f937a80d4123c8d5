package io.ksiem.backlog;

import io.ksiem.backlog.CorrelationOptions;
import java.util.List;

/**
 * dsiem's correlation options (docs/dsiem-reference.md §7.3, §11): risk-class thresholds, the status and tag of new
 * alarms (the first element of dsiem's {@code --status}/{@code --tags} lists), and {@code minAlarmLifetime} in minutes.
 */
public record CorrelationOptions(int medRiskMin, int medRiskMax, String status, String tag, int minAlarmLifetime) {
  public static final List<String> DEFAULT_STATUS = List.of("Open", "In-Progress", "Closed");
  public static final List<String> DEFAULT_TAGS =
      List.of("Identified Threat", "False Positive", "Valid Threat", "Security Incident");

  public static CorrelationOptions defaults() {
    return new CorrelationOptions(3, 6, DEFAULT_STATUS.get(0), DEFAULT_TAGS.get(0), 0);
  }

  /** The same checks dsiem makes at start-up; throws with the reason. */
  public CorrelationOptions {
    if (medRiskMin < 2) {
      throw new IllegalArgumentException("medRiskMin must be 2 or more, not " + medRiskMin);
    }
    if (medRiskMax > 9) {
      throw new IllegalArgumentException("medRiskMax must be 9 or less, not " + medRiskMax);
    }
    if (medRiskMin == medRiskMax) {
      throw new IllegalArgumentException("medRiskMin and medRiskMax must differ");
    }
    if (minAlarmLifetime < 0) {
      throw new IllegalArgumentException("minAlarmLifetime must not be negative");
    }
    if (status == null || status.isEmpty() || tag == null || tag.isEmpty()) {
      throw new IllegalArgumentException("status and tag must not be empty");
    }
  }
}
