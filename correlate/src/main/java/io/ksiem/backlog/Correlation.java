package io.ksiem.backlog;

import io.ksiem.alarm.AlarmSink;
import io.ksiem.asset.AssetSet;
import io.ksiem.directive.Directive;
import io.ksiem.engine.EngineOptions;
import io.ksiem.event.NormalizedEvent;

/** What the backlog managers of one engine share: clock, assets, options, output, expiry and change tracking. */
public interface Correlation {
  AssetSet assets();

  EngineOptions options();

  AlarmSink sink();

  /** The engine's event-time clock, Unix seconds. */
  long clock();

  long nextSeq();

  String newAlarmId(Directive d, NormalizedEvent first);

  /** (Re)schedules expiry at {@link Backlog#deadline}; called before and after the deadline changes. */
  void unschedule(Backlog b);

  void schedule(Backlog b);

  void changed(Backlog b);

  void removed(Backlog b);
}
