wipe() { psql -c "drop table t"; }
function nuke { wipe; } >/dev/null
function f() ( x )
wipe
