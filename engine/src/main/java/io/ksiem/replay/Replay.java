package io.ksiem.replay;

import io.ksiem.alarm.AlarmJson;
import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.asset.AssetLoader;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.event.EventParser;
import io.ksiem.event.Rfc3339;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ksiem replay}: dsiem's dtester done offline and deterministically (README.md, section "Writing and testing a
 * directive with ksiem replay"). Events are read in file order; the clock is the largest event time seen and, at the
 * end, {@code until} if given.
 */
public final class Replay {
  /** What to replay and where the output goes; {@code rejects} and {@code until} may be null. */
  public record Request(List<Path> directives, List<Path> assets, Path events, String until, CorrelationOptions options,
      Path alarms, Path alarmEvents, Path rejects) {
  }

  /** The loaded directives and assets, with what was skipped and why. */
  public record Loaded(DirectiveLoader directives, AssetLoader assets) {
    public List<Integer> directiveIds() {
      List<Integer> ids = new ArrayList<>();
      for (Directive d : directives.directives()) {
        ids.add(d.id);
      }
      return ids;
    }
  }

  /** What happened, for the command's summary and for tests. */
  public record Result(long lines, long rejected, long alarms, long alarmEvents, int liveBacklogs) {
  }

  /** Thrown when nothing usable is left to replay with (no valid directive). */
  public static final class NothingToRun extends Exception {
    public NothingToRun(String message) {
      super(message);
    }
  }

  /** Loads the request's directives and assets; a file that cannot be read or parsed throws. */
  public static Loaded load(Request r) throws IOException {
    return new Loaded(new DirectiveLoader().loadPaths(r.directives()), new AssetLoader().loadPaths(r.assets()));
  }

  private Replay() {
  }

  public static Result run(Request r, Loaded loaded) throws IOException, NothingToRun {
    long until = Long.MIN_VALUE;
    if (r.until() != null) {
      until = Rfc3339.toEpochSecond(r.until());
      if (until == Rfc3339.INVALID) {
        throw new IllegalArgumentException("--until '" + r.until() + "' is not RFC 3339");
      }
    }
    DirectiveLoader directives = loaded.directives();
    if (directives.directives().isEmpty()) {
      throw new NothingToRun("no valid directive to run (" + directives.problems().size() + " rejected)");
    }
    long[] counts = new long[4];
    try (BufferedWriter alarms = Files.newBufferedWriter(r.alarms(), StandardCharsets.UTF_8);
        BufferedWriter links = Files.newBufferedWriter(r.alarmEvents(), StandardCharsets.UTF_8);
        Writer rejects = r.rejects() == null ? Writer.nullWriter()
            : Files.newBufferedWriter(r.rejects(), StandardCharsets.UTF_8);
        // malformed UTF-8 becomes U+FFFD, as Go's decoder does, so a bad byte costs at most its line
        BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(r.events()),
            StandardCharsets.UTF_8))) {
      AlarmOutput sink = new AlarmOutput() {
        @Override
        public void alarm(AlarmSnapshot snapshot) {
          line(alarms, AlarmJson.toJson(snapshot));
          counts[2]++;
        }

        @Override
        public void link(AlarmLink link) {
          line(links, AlarmJson.toJson(link));
          counts[3]++;
        }
      };
      Engine engine = new Engine(directives.directives(), loaded.assets().assets(), r.options(), sink);
      EventParser parser = new EventParser();
      String text;
      long n = 0;
      while ((text = in.readLine()) != null) {
        n++;
        EventParser.Result p = parser.parse(text);
        if (!p.ok()) {
          counts[1]++;
          line(rejects, RejectJson.of(n, p.reason()));
          continue;
        }
        engine.process(p.event());
      }
      counts[0] = n;
      if (r.until() != null) {
        engine.advanceClock(until);
      }
      return new Result(counts[0], counts[1], counts[2], counts[3], engine.liveBacklogs());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void line(Writer w, String json) {
    try {
      w.write(json);
      w.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
