// Package monitoring holds partgen's example Prometheus alert rules
// (partgen.rules.yml), their promtool unit tests (partgen.rules.test.yml)
// and a systemd unit for partgen serve. Its Go test checks that every
// metric and label the rules and the tests use is one partgen emits.
package monitoring
