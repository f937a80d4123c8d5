package io.ksiem.event;

import io.ksiem.asset.Ip;

/**
 * A normalized event with dsiem's fields (docs/dsiem-reference.md §2.1). Plain mutable fields: events are built once
 * by a parser or a deserializer and then only read. Absent strings are "", absent numbers 0.
 */
public final class Event {
  public String eventId = "";
  /** The timestamp as received (RFC 3339). */
  public String timestamp = "";
  /** {@link #timestamp} in Unix seconds (second precision, as dsiem). */
  public long time;
  public String title = "";
  public String sensor = "";
  public String srcIp = "";
  public String dstIp = "";
  public int srcPort;
  public int dstPort;
  public String protocol = "";
  public int pluginId;
  public int pluginSid;
  public String product = "";
  public String category = "";
  public String subcategory = "";
  public String customLabel1 = "";
  public String customLabel2 = "";
  public String customLabel3 = "";
  public String customData1 = "";
  public String customData2 = "";
  public String customData3 = "";
  /** Receive time in Unix nanoseconds (0 when unknown). */
  public long rcvdTime;

  private Ip src;
  private Ip dst;
  private boolean parsed;

  private void parseIps() {
    src = Ip.parse(srcIp);
    dst = Ip.parse(dstIp);
    parsed = true;
  }

  /** The parsed source address, or null when {@link #srcIp} is not an address. */
  public Ip src() {
    if (!parsed) {
      parseIps();
    }
    return src;
  }

  public Ip dst() {
    if (!parsed) {
      parseIps();
    }
    return dst;
  }

  public String customData(int n) {
    return n == 1 ? customData1 : n == 2 ? customData2 : customData3;
  }

  public String customLabel(int n) {
    return n == 1 ? customLabel1 : n == 2 ? customLabel2 : customLabel3;
  }

  /** docs/dsiem-reference.md §2.2 plus a usable RFC 3339 time; returns the reason the event is not valid, or null. */
  public String invalidReason() {
    if (eventId.isEmpty()) {
      return "event_id is empty";
    }
    if (timestamp.isEmpty()) {
      return "timestamp is empty";
    }
    if (sensor.isEmpty()) {
      return "sensor is empty";
    }
    if (srcIp.isEmpty()) {
      return "src_ip is empty";
    }
    if (dstIp.isEmpty()) {
      return "dst_ip is empty";
    }
    if ((pluginId == 0 || pluginSid == 0) && (product.isEmpty() || category.isEmpty())) {
      return "neither a plugin_id/plugin_sid pair nor product and category";
    }
    return null;
  }

  @Override
  public String toString() {
    return "event " + eventId + " @" + timestamp + " " + srcIp + ":" + srcPort + " -> " + dstIp + ":" + dstPort
        + (pluginId != 0 ? " plugin " + pluginId + "/" + pluginSid : "")
        + (product.isEmpty() ? "" : " " + product + "/" + category);
  }
}
