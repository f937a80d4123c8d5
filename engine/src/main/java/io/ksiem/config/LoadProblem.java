package io.ksiem.config;


/**
 * Why a directive (or asset) was skipped at load: the file, its 1-based position there, what it is (for a directive,
 * {@code "directive 12"}) and the reason, which names the rule where one is at fault.
 */
public record LoadProblem(String file, int position, String what, String reason) {
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(file);
    if (position > 0) {
      b.append(" #").append(position);
    }
    if (what != null) {
      b.append(": ").append(what);
    }
    return b.append(": ").append(reason).toString();
  }
}
