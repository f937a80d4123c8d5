# ksiem images: one target per app, all built on the same runtime stage.
#
#   mvn -B package -DskipTests && docker build --target correlate -t ksiem/correlate:0.1.0 .
#
# Targets: ingest, correlate, alarms (one app each, until SIGTERM) and tools (one-shot commands:
# topics create, directives push, status, kibana import). docs/deployment.md describes them.
#
# The jar is not built here: it is cli/target/ksiem.jar from the Maven build. pom.xml fixes
# project.build.outputTimestamp, so the same sources give the same jar, byte for byte.
#
# The base image is pinned by its version tag. To pin its digest as well, look it up with
#   docker buildx imagetools inspect eclipse-temurin:17.0.15_6-jre
# and build with --build-arg JRE_IMAGE=eclipse-temurin:17.0.15_6-jre@sha256:<digest>
# (or write the digest into the line below).
ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre

# ---------------------------------------------------------------------------------------------------------
# runtime: what every target shares.
FROM ${JRE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="ksiem" \
      org.opencontainers.image.description="Security event correlation on Apache Kafka Streams" \
      org.opencontainers.image.version="0.1.0"

# curl is for the HEALTHCHECK (GET /health). The temurin images do not promise it, so install it here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

# Non-root user ksiem (uid and gid 10001). /var/lib/ksiem is the Kafka Streams state directory; it exists and
# belongs to ksiem before any volume is mounted on it, so a new named volume gets the same owner.
RUN groupadd --gid 10001 ksiem \
 && useradd --uid 10001 --gid 10001 --home-dir /opt/ksiem --no-create-home --shell /usr/sbin/nologin ksiem \
 && mkdir -p /opt/ksiem /var/lib/ksiem \
 && chown ksiem:ksiem /var/lib/ksiem \
 && chmod 0750 /var/lib/ksiem

# The `ksiem` command: java with $JAVA_OPTS and the fat jar. exec keeps java as PID 1, so SIGTERM reaches it.
RUN printf '%s\n' '#!/bin/sh' 'exec java $JAVA_OPTS -jar /opt/ksiem/ksiem.jar "$@"' > /usr/local/bin/ksiem \
 && chmod 0755 /usr/local/bin/ksiem

# The jar and the example directives and assets stay owned by root: the app can read them, not change them.
COPY cli/target/ksiem.jar /opt/ksiem/ksiem.jar
COPY examples/ /opt/ksiem/examples/

# The JVM sizes its heap from the container's memory limit. Override JAVA_OPTS to change it.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    KSIEM_STATE_DIR=/var/lib/ksiem

WORKDIR /opt/ksiem
USER 10001:10001
ENTRYPOINT ["ksiem"]
CMD ["--help"]

# ---------------------------------------------------------------------------------------------------------
# app: what the three long-running apps share: the HTTP port and a health check on GET /health/live
# (200 up, 503 down). The check calls 127.0.0.1, so keep KSIEM_HTTP_HOST at 0.0.0.0 or 127.0.0.1.
FROM runtime AS app
EXPOSE 8080
# the apps log ECS JSON lines for a log shipper (docs/settings.md, Logs); the commands keep plain lines
ENV KSIEM_LOG_FORMAT=json
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${KSIEM_HTTP_PORT:-8080}/health/live" || exit 1

# ingest: raw topics and POST /events to normalized events.
FROM app AS ingest
CMD ["ingest"]

# correlate: directives over the normalized events. RocksDB keeps its memory outside the Java heap, so the heap
# gets only half of the container's memory here.
FROM app AS correlate
ENV JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
VOLUME /var/lib/ksiem
CMD ["correlate"]

# alarms: alarms and alarm-event links to Elasticsearch.
FROM app AS alarms
CMD ["alarms"]

# tools: one-shot commands, e.g. `docker run --rm ksiem/tools:0.1.0 status`. No app by default.
FROM runtime AS tools
CMD ["--help"]
