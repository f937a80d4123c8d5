package io.ksiem.backlog;

import io.ksiem.alarm.AlarmOutput;
import io.ksiem.asset.AssetSet;
import io.ksiem.directive.Directive;
import io.ksiem.event.Event;

/** What the backlog managers of one engine share: clock, assets, options, output, expiry and change tracking. */
public interface Correlation {
  AssetSet assets();

  CorrelationOptions options();

  AlarmOutput output();

  /** The engine's event-time clock, Unix seconds. */
  long clock();

  long nextSeq();

  String newAlarmId(Directive d, Event first);

  /** (Re)schedules expiry at {@link Backlog#deadline}; called before and after the deadline changes. */
  void unschedule(Backlog b);

  void schedule(Backlog b);

  void changed(Backlog b);

  void removed(Backlog b);
}
