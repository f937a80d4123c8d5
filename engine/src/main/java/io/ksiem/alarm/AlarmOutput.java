package io.ksiem.alarm;


/** Where the engine writes its output, in the order it produces it (D7). */
public interface AlarmOutput {
  void alarm(AlarmSnapshot snapshot);

  void alarmEvent(AlarmLink link);

  AlarmOutput NONE = new AlarmOutput() {
    @Override
    public void alarm(AlarmSnapshot snapshot) {
    }

    @Override
    public void alarmEvent(AlarmLink link) {
    }
  };
}
