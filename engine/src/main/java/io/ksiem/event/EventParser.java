package io.ksiem.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Parses one dsiem-normalized JSON event with dsiem's intake rules (docs/dsiem-reference.md §2.2–2.3): a JSON type
 * that Go's decoder would refuse (a string where a number belongs, a fraction in an integer) fails the whole event,
 * unknown keys are ignored, and the event must then be valid with an RFC 3339 timestamp. Streaming, so a field costs
 * a token, not a tree node.
 */
public final class EventParser {
  private final JsonFactory factory = new JsonFactory();
  /**
   * Canonical instances of the low-cardinality fields (sensor, protocol, product, category, subcategory): events
   * then share them, which saves heap and keeps their hashes computed. Bounded, so a flood of distinct values only
   * stops the sharing.
   */
  private final java.util.HashMap<String, String> shared = new java.util.HashMap<>();
  private static final int SHARED_MAX = 4096;

  private String share(String s) {
    String c = shared.get(s);
    if (c != null) {
      return c;
    }
    if (shared.size() < SHARED_MAX) {
      shared.put(s, s);
    }
    return s;
  }

  /** The parse result: an event, or the reason there is none and which check refused it. */
  public record Result(Event event, String reason, Refusal refusal) {
    public Result(Event event, String reason) {
      this(event, reason, event != null ? null : Refusal.NOT_PARSED);
    }

    public boolean ok() {
      return event != null;
    }
  }

  /** Which check refused an event; dsiem's HTTP intake answers each differently (docs/dsiem-reference.md §2.3). */
  public enum Refusal {
    /** Not JSON, not an object, or a field of the wrong JSON type. */
    NOT_PARSED,
    /** Parsed, but not valid by docs/dsiem-reference.md §2.2. */
    INVALID,
    /** Valid by docs/dsiem-reference.md §2.2, but the timestamp is not RFC 3339, so it can never be correlated. */
    BAD_TIMESTAMP
  }

  public Result parse(String line) {
    try (JsonParser p = factory.createParser(line)) {
      return parse(p);
    } catch (JsonProcessingException e) {
      return new Result(null, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new Result(null, "not JSON: " + e.getMessage());
    }
  }

  public Result parse(byte[] json) {
    try (JsonParser p = factory.createParser(json)) {
      return parse(p);
    } catch (JsonProcessingException e) {
      return new Result(null, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new Result(null, "not JSON: " + e.getMessage());
    }
  }

  private Result parse(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return new Result(null, "not a JSON object");
    }
    Event e = new Event();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      String err = null;
      switch (key) {
        case "event_id" -> err = str(p, v, key, s -> e.eventId = s);
        case "timestamp" -> err = str(p, v, key, s -> e.timestamp = s);
        case "title" -> err = str(p, v, key, s -> e.title = s);
        case "sensor" -> err = str(p, v, key, s -> e.sensor = share(s));
        case "src_ip" -> err = str(p, v, key, s -> e.srcIp = s);
        case "dst_ip" -> err = str(p, v, key, s -> e.dstIp = s);
        case "protocol" -> err = str(p, v, key, s -> e.protocol = share(s));
        case "product" -> err = str(p, v, key, s -> e.product = share(s));
        case "category" -> err = str(p, v, key, s -> e.category = share(s));
        case "subcategory" -> err = str(p, v, key, s -> e.subcategory = share(s));
        case "custom_label1" -> err = str(p, v, key, s -> e.customLabel1 = s);
        case "custom_label2" -> err = str(p, v, key, s -> e.customLabel2 = s);
        case "custom_label3" -> err = str(p, v, key, s -> e.customLabel3 = s);
        case "custom_data1" -> err = str(p, v, key, s -> e.customData1 = s);
        case "custom_data2" -> err = str(p, v, key, s -> e.customData2 = s);
        case "custom_data3" -> err = str(p, v, key, s -> e.customData3 = s);
        case "src_port" -> err = integer(p, v, key, n -> e.srcPort = n);
        case "dst_port" -> err = integer(p, v, key, n -> e.dstPort = n);
        case "plugin_id" -> err = integer(p, v, key, n -> e.pluginId = n);
        case "plugin_sid" -> err = integer(p, v, key, n -> e.pluginSid = n);
        case "rcvd_time" -> {
          if (v == JsonToken.VALUE_NUMBER_INT) {
            e.rcvdTime = p.getLongValue();
          } else if (v != JsonToken.VALUE_NULL) {
            err = "rcvd_time must be an integer";
          }
        }
        default -> p.skipChildren();
      }
      if (err != null) {
        return new Result(null, err);
      }
    }
    if (t != JsonToken.END_OBJECT) {
      return new Result(null, "not a JSON object");
    }
    if (p.nextToken() != null) {
      return new Result(null, "not JSON: data after the object");
    }
    return validate(e);
  }

  /** Checks docs/dsiem-reference.md §2.2 validity and converts the timestamp. */
  public static Result validate(Event e) {
    String reason = e.invalidReason();
    if (reason != null) {
      return new Result(null, reason, Refusal.INVALID);
    }
    long time = Rfc3339.toEpochSecond(e.timestamp);
    if (time == Rfc3339.INVALID) {
      return new Result(null, "timestamp '" + e.timestamp + "' is not RFC 3339", Refusal.BAD_TIMESTAMP);
    }
    e.time = time;
    return new Result(e, null);
  }

  private interface StrSink {
    void set(String s);
  }

  private interface IntSink {
    void set(int n);
  }

  private static String str(JsonParser p, JsonToken v, String key, StrSink sink) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      sink.set(p.getText());
      return null;
    }
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    p.skipChildren();
    return key + " must be a string, not " + describe(v);
  }

  private static String integer(JsonParser p, JsonToken v, String key, IntSink sink) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() != JsonParser.NumberType.INT) {
        return key + " is out of range";
      }
      sink.set(p.getIntValue());
      return null;
    }
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    p.skipChildren();
    return key + " must be an integer, not " + describe(v);
  }

  private static String describe(JsonToken v) {
    return switch (v) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_FLOAT -> "a fraction";
      case VALUE_NUMBER_INT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      default -> v.toString();
    };
  }
}
