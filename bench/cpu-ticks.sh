# Sourced by the benches' run.sh: cpu_ticks PID prints the user plus system CPU time of a process in clock ticks
# (fields 14 and 15 of /proc/PID/stat, counted after the command name, which may hold spaces), 0 once it is gone.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  echo $(( f[11] + f[12] ))
}
