case "$1" in
  (drop|rm) psql -c "drop table $2";;
  *.sql) psql -f "$1";&
  x) :;;&
  *) echo no
esac
