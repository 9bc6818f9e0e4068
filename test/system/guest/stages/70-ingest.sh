# An oxingest@NAME instance follows the file named in /etc/blueox/ingest.d/NAME.conf:
# lines appended to it arrive as events of the configured type.
require_oxd
# A log file as applications keep them: readable by the adm group only.
FILE=/var/log/systest-ingest.log
printf 'FILE=%s\nTYPE=systest_ingest\n' "$FILE" > /etc/blueox/ingest.d/systest.conf
# Lines already in the file when oxingest first sees it are not sent (tail -n 0 -F).
printf 'old line, before oxingest\n' > "$FILE"; chown root:adm "$FILE"; chmod 640 "$FILE"
save ingest-start.txt systemctl start oxingest@systest.service
wait_for 30 ingest.active systemctl is-active -q oxingest@systest.service
obs ingest.user "$(ps -o user= -p "$(unit_prop oxingest@systest.service MainPID)" 2>&1)"
# Ready once the follower holds the file open.
following() { ls -l /proc/"$(unit_prop oxingest@systest.service MainPID)"/fd 2>/dev/null | grep -q "$FILE"; }
if wait_for 60 ingest.following following; then
    for i in $(seq 1 10); do echo "ingest line $i" >> "$FILE"; done
    wait_for 60 ingest.first_batch have_events systest_ingest 10
    for i in $(seq 11 20); do echo "ingest line $i" >> "$FILE"; done
    wait_for 60 ingest.second_batch have_events systest_ingest 20
fi
obs ingest.count "$(events_in_files systest_ingest)"
save ingest-fds.txt ls -l /proc/"$(unit_prop oxingest@systest.service MainPID)"/fd
save ingest-oxview.jsonl oxview -l /var/log/blueox -n systest_ingest --start-date "$(date -u +%Y%m%d)"
save ingest-journal.txt journalctl --no-pager -o cat -u oxingest@systest.service
