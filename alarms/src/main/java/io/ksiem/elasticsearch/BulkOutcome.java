package io.ksiem.elasticsearch;

/**
 * What an item of a bulk response means for its record: written; to be written again (a version conflict, which
 * means another writer got there first and the alarm is merged again with what it wrote, or Elasticsearch is busy
 * or failing: 409, 429, 5xx; or the sink's user may not write there, 401 or 403, which is the role's fault, not the
 * document's, and holds the batch until an operator grants it); or refused for good (any other error, such as a
 * mapping conflict), a dead letter.
 */
enum BulkOutcome {
  WRITTEN, RETRY, REFUSED;

  static BulkOutcome of(int status, boolean error) {
    if (!error) {
      return WRITTEN;
    }
    return status == 401 || status == 403 || status == 409 || status == 429 || status >= 500 ? RETRY : REFUSED;
  }
}
