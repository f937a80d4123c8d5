package io.ksiem.alarm;

/**
 * Where the engine writes its output, in the order it produces it (D7): alarm snapshots and alarm-event links. The
 * replay writes them as JSON lines, the correlate app as records of the alarm topics.
 */
public interface AlarmOutput {
  void alarm(AlarmSnapshot snapshot);

  void link(AlarmLink link);

  AlarmOutput NONE = new AlarmOutput() {
    @Override
    public void alarm(AlarmSnapshot snapshot) {
    }

    @Override
    public void link(AlarmLink link) {
    }
  };
}
