package io.ksiem.scenario;

import io.ksiem.alarm.AlarmJson;
import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.asset.AssetLoader;
import io.ksiem.asset.AssetSet;
import io.ksiem.backlog.Backlog;
import io.ksiem.backlog.BacklogCodec;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.event.Rfc3339;
import java.util.ArrayList;
import java.util.List;

/** Runs a scenario through the engine API in memory and keeps its output as JSON lines. */
public final class ScenarioRun {
  public final List<String> alarms = new ArrayList<>();
  public final List<String> alarmEvents = new ArrayList<>();
  public final List<Integer> rejects = new ArrayList<>();
  public final List<Integer> loadedIds = new ArrayList<>();
  public final List<io.ksiem.config.LoadProblem> problems;
  public final List<Directive> directives;
  public final AssetSet assets;
  private final Scenario scenario;

  private final AlarmOutput sink = new AlarmOutput() {
    @Override
    public void alarm(AlarmSnapshot snapshot) {
      alarms.add(AlarmJson.toJson(snapshot));
    }

    @Override
    public void link(AlarmLink link) {
      alarmEvents.add(AlarmJson.toJson(link));
    }
  };

  public ScenarioRun(Scenario s) {
    this.scenario = s;
    DirectiveLoader dl = new DirectiveLoader().load("directives.json", s.root.get("directives"));
    this.directives = dl.directives();
    this.problems = dl.problems();
    directives.forEach(d -> loadedIds.add(d.id));
    this.assets = new AssetLoader().load("assets.json", s.root.get("assets")).assets();
  }

  public Engine newEngine(Engine.Dispatch dispatch) {
    return new Engine(directives, assets, scenario.correlationOptions(), sink, dispatch, false);
  }

  /**
   * Feeds every line; with {@code restoreEveryEvent}, the engine's state goes through bytes into a brand-new
   * engine after every event, as a Streams task moving to another instance would.
   */
  public ScenarioRun run(Engine.Dispatch dispatch, boolean restoreEveryEvent) {
    Engine engine = newEngine(dispatch);
    EventParser parser = new EventParser();
    int n = 0;
    for (String line : scenario.inputLines()) {
      n++;
      EventParser.Result r = parser.parse(line);
      if (!r.ok()) {
        rejects.add(n);
        continue;
      }
      Event e = r.event();
      engine.process(e);
      if (restoreEveryEvent) {
        engine = roundTrip(engine, dispatch);
      }
    }
    if (scenario.until() != null) {
      engine.advanceClock(Rfc3339.toEpochSecond(scenario.until()));
    }
    return this;
  }

  private Engine roundTrip(Engine engine, Engine.Dispatch dispatch) {
    List<byte[]> state = new ArrayList<>();
    for (Backlog b : engine.backlogs()) {
      state.add(BacklogCodec.encode(b));
    }
    Engine fresh = newEngine(dispatch);
    List<String> orphans = fresh.restore(engine.header(), state);
    if (!orphans.isEmpty()) {
      throw new AssertionError("restore lost backlogs: " + orphans);
    }
    return fresh;
  }

  public List<String> compare(boolean ordered) {
    return scenario.compare(alarms, alarmEvents, rejects, ordered);
  }
}
