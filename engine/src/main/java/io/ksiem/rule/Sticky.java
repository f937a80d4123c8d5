package io.ksiem.rule;

import io.ksiem.event.Event;

/** The {@code sticky_different} keywords: the event field whose value must differ for each event a stage counts. */
public enum Sticky {
  PLUGIN_SID,
  SRC_IP,
  DST_IP,
  SRC_PORT,
  DST_PORT,
  CUSTOM_DATA1,
  CUSTOM_DATA2,
  CUSTOM_DATA3;

  /** The raw value, compared exactly (custom data uniqueness is case-sensitive). */
  public String valueOf(Event e) {
    return switch (this) {
      case PLUGIN_SID -> Integer.toString(e.pluginSid);
      case SRC_IP -> e.srcIp;
      case DST_IP -> e.dstIp;
      case SRC_PORT -> Integer.toString(e.srcPort);
      case DST_PORT -> Integer.toString(e.dstPort);
      case CUSTOM_DATA1 -> e.customData1;
      case CUSTOM_DATA2 -> e.customData2;
      case CUSTOM_DATA3 -> e.customData3;
    };
  }

  public static Sticky parse(String keyword) {
    for (Sticky s : values()) {
      if (s.name().equals(keyword)) {
        return s;
      }
    }
    return null;
  }

  public boolean pluginOnly() {
    return this == PLUGIN_SID || this == CUSTOM_DATA1 || this == CUSTOM_DATA2 || this == CUSTOM_DATA3;
  }
}
