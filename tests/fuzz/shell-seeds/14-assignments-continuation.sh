PGPASSWORD=secret PGHOST=db \
  psql -h "${HOST:-localhost}" \
  -c 'select 1' # comment
