# Sourced by the benches: keep_results REPORT JSONL PREFIX copies a run's table and raw figures beside the bench as
# PREFIX-<date>-<time>.md and .jsonl and says so on stderr.
keep_results() {
  local stamp
  stamp=$(date +%Y-%m-%d-%H%M)
  cp "$1" "$3-$stamp.md"
  cp "$2" "$3-$stamp.jsonl"
  echo "$(basename "$0"): wrote $3-$stamp.md (raw figures in $(basename "$3")-$stamp.jsonl)." >&2
}
