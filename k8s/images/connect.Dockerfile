# syntax=docker/dockerfile:1.7
# Kafka Connect with the Debezium PostgreSQL connector 3.6.1.Final (which brings
# io.debezium.converters.BinaryDataConverter, the value converter of the outbox relay), on
# Strimzi's Kafka image: the KafkaConnect resource of the todo-platform chart runs it.
#
#   docker build -f k8s/images/connect.Dockerfile \
#     -t registry.example.com/todo/todo-connect:1.2.0-kafka-4.3.1-debezium-3.6.1 .
#
# The plugin comes from Maven Central through the same POM the local stack uses
# (scripts/stack/maven/debezium/pom.xml), so both run the same connector. For plain Kafka (no Strimzi),
# build with --build-arg BASE_IMAGE=apache/kafka:4.3.1 --build-arg PLUGIN_DIR=/opt/kafka/plugins
# and start connect-distributed.sh with plugin.path=/opt/kafka/plugins.
ARG BASE_IMAGE=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17

FROM ${MAVEN_IMAGE} AS plugin
WORKDIR /build
COPY scripts/stack/maven/debezium/pom.xml ./pom.xml
RUN mvn -q -B -f pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory=/plugins/debezium-connector-postgres -DincludeScope=runtime \
 && ls /plugins/debezium-connector-postgres/debezium-connector-postgres-3.6.1.Final.jar \
 && ls /plugins/debezium-connector-postgres/ | grep -q '^debezium-core-3.6.1.Final.jar$'

FROM ${BASE_IMAGE}
ARG PLUGIN_DIR=/opt/kafka/plugins
# Owned by root: Strimzi's images run as user 1001, which can read the plugin but not change it.
COPY --from=plugin /plugins/ ${PLUGIN_DIR}/
USER 1001
