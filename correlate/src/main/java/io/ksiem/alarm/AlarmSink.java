package io.ksiem.alarm;

/** Where the engine writes its output, in the order it produces it (D7). */
public interface AlarmSink {
  void alarm(Alarm snapshot);

  void alarmEvent(AlarmEvent link);

  AlarmSink NONE = new AlarmSink() {
    @Override
    public void alarm(Alarm snapshot) {
    }

    @Override
    public void alarmEvent(AlarmEvent link) {
    }
  };
}
