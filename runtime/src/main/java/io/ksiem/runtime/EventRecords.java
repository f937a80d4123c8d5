package io.ksiem.runtime;

import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.schemas.NormalizedEvent;
import java.time.Instant;

/** Between the engine's events and the Avro {@link NormalizedEvent}s of the events topic. */
public final class EventRecords {
  private EventRecords() {
  }

  /**
   * The engine's event, validated (docs/dsiem-reference.md §2.2 and an RFC 3339 time); the reason when it is not
   * valid.
   */
  public static EventParser.Result toEngine(NormalizedEvent a) {
    Event e = new Event();
    e.eventId = a.getEventId();
    e.timestamp = a.getTimestamp();
    e.title = a.getTitle();
    e.sensor = a.getSensor();
    e.srcIp = a.getSrcIp();
    e.dstIp = a.getDstIp();
    e.srcPort = a.getSrcPort();
    e.dstPort = a.getDstPort();
    e.protocol = a.getProtocol();
    e.pluginId = a.getPluginId();
    e.pluginSid = a.getPluginSid();
    e.product = a.getProduct();
    e.category = a.getCategory();
    e.subcategory = a.getSubcategory();
    e.customLabel1 = a.getCustomLabel1();
    e.customLabel2 = a.getCustomLabel2();
    e.customLabel3 = a.getCustomLabel3();
    e.customData1 = a.getCustomData1();
    e.customData2 = a.getCustomData2();
    e.customData3 = a.getCustomData3();
    e.rcvdTime = a.getReceivedAt() == null ? 0 : a.getReceivedAt().toEpochMilli() * 1_000_000L;
    return EventParser.validate(e);
  }

  public static NormalizedEvent toAvro(Event e, long receivedAtMillis, String source) {
    return NormalizedEvent.newBuilder()
        .setEventId(e.eventId).setTimestamp(e.timestamp).setTitle(e.title).setSensor(e.sensor)
        .setSrcIp(e.srcIp).setDstIp(e.dstIp).setSrcPort(e.srcPort).setDstPort(e.dstPort).setProtocol(e.protocol)
        .setPluginId(e.pluginId).setPluginSid(e.pluginSid).setProduct(e.product).setCategory(e.category)
        .setSubcategory(e.subcategory)
        .setCustomLabel1(e.customLabel1).setCustomLabel2(e.customLabel2).setCustomLabel3(e.customLabel3)
        .setCustomData1(e.customData1).setCustomData2(e.customData2).setCustomData3(e.customData3)
        .setReceivedAt(Instant.ofEpochMilli(receivedAtMillis)).setSource(source)
        .build();
  }
}
