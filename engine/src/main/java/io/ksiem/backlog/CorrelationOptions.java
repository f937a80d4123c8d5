package io.ksiem.backlog;

import java.util.List;

/**
 * dsiem's correlation options (docs/dsiem-reference.md §7.3, §11): risk-class thresholds, the status and tag of new
 * alarms (the first element of dsiem's {@code --status}/{@code --tags} lists), and {@code minAlarmLifetime} in minutes.
 *
 * <p>Then ksiem's caps on what events can make the engine hold (docs/limits.md). dsiem has none: every stage-1 event
 * nobody consumes starts a backlog, and every distinct address or custom data pair is kept, so whoever can send events
 * (spoofed sources, a noisy sensor) decides how much heap the engine needs, and how large an alarm record gets. The
 * defaults sit far above what real attacks produce, except that a long list of custom data (every user name a spray
 * tried) is cut to its first twenty:
 * <ul>
 *   <li>{@code maxBacklogsPerDirective} {@value #DEFAULT_MAX_BACKLOGS_PER_DIRECTIVE}: a backlog with its resolved rules
 *       and indexes takes 1.4 KB of heap with two stages, 1.9 KB with three (measured), so a flooded directive stays
 *       under 20 MB. Ten thousand attacks of one kind live at once, each from another source, is already a flood;
 *       a real distributed one would be ten thousand alarms, which nobody triages one by one.</li>
 *   <li>{@code maxAddressesPerList} {@value #DEFAULT_MAX_ADDRESSES_PER_LIST}: each snapshot carries the whole list to
 *       Kafka and Elasticsearch, and risk and networks walk it at every stage; a thousand addresses of at most 45
 *       characters keep both lists under 100 KB, and an alarm with a thousand sources already says "many sources".
 *       Risk still counts the value of the addresses left out.</li>
 *   <li>{@code maxCustomDataPerBacklog} {@value #DEFAULT_MAX_CUSTOM_DATA_PER_BACKLOG}: up to three pairs come with
 *       every event, and each label and content may be 4096 characters (FieldLimits), up to 24 KB of UTF-8 a pair.
 *       Twenty pairs keep an alarm's custom data within half of Kafka's default 1 MB record limit, which its snapshot
 *       and the backlog's state must both fit; the pairs are only shown, never matched again, and twenty
 *       distinct ones already show the pattern.</li>
 * </ul>
 * The five-argument constructor gives the default caps, so configurations written before them keep working;
 * {@link #withCaps} sets them.
 */
public record CorrelationOptions(int medRiskMin, int medRiskMax, String status, String tag, int minAlarmLifetime,
    int maxBacklogsPerDirective, int maxAddressesPerList, int maxCustomDataPerBacklog) {
  public static final List<String> DEFAULT_STATUS = List.of("Open", "In-Progress", "Closed");
  public static final List<String> DEFAULT_TAGS =
      List.of("Identified Threat", "False Positive", "Valid Threat", "Security Incident");
  public static final int DEFAULT_MAX_BACKLOGS_PER_DIRECTIVE = 10_000;
  public static final int DEFAULT_MAX_ADDRESSES_PER_LIST = 1_000;
  public static final int DEFAULT_MAX_CUSTOM_DATA_PER_BACKLOG = 20;

  public static CorrelationOptions defaults() {
    return new CorrelationOptions(3, 6, DEFAULT_STATUS.get(0), DEFAULT_TAGS.get(0), 0);
  }

  public CorrelationOptions(int medRiskMin, int medRiskMax, String status, String tag, int minAlarmLifetime) {
    this(medRiskMin, medRiskMax, status, tag, minAlarmLifetime, DEFAULT_MAX_BACKLOGS_PER_DIRECTIVE,
        DEFAULT_MAX_ADDRESSES_PER_LIST, DEFAULT_MAX_CUSTOM_DATA_PER_BACKLOG);
  }

  /** The same checks dsiem makes at start-up, and caps of at least 1; throws with the reason. */
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
    // 0 would silently turn a directive off or blank every alarm's addresses: not a cap but a misconfiguration
    if (maxBacklogsPerDirective < 1 || maxAddressesPerList < 1 || maxCustomDataPerBacklog < 1) {
      throw new IllegalArgumentException("maxBacklogsPerDirective, maxAddressesPerList and maxCustomDataPerBacklog"
          + " must be 1 or more, not " + maxBacklogsPerDirective + ", " + maxAddressesPerList + ", "
          + maxCustomDataPerBacklog);
    }
  }

  public CorrelationOptions withCaps(int maxBacklogsPerDirective, int maxAddressesPerList,
      int maxCustomDataPerBacklog) {
    return new CorrelationOptions(medRiskMin, medRiskMax, status, tag, minAlarmLifetime, maxBacklogsPerDirective,
        maxAddressesPerList, maxCustomDataPerBacklog);
  }
}
