# Parses Prometheus text read on stdin with the reference parser (Debian's python3-prometheus-client) and prints it as
# JSON: {"families": {name: type}, "samples": [{"name", "labels", "value"}]}. Text the parser refuses exits non-zero.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = family.type
    for sample in family.samples:
        samples.append({"name": sample.name, "labels": sample.labels, "value": repr(float(sample.value))})
json.dump({"families": families, "samples": samples}, sys.stdout)
