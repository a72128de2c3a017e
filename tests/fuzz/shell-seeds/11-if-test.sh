if [[ $PGHOST == prod* && -n ${FORCE:-} ]]; then
  exit 1
elif (( n > 3 )); then
  psql -c "vacuum"
else
  { echo a; echo b; } >&2
fi
