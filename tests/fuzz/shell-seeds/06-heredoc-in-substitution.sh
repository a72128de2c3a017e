psql -c "$(cat <<SQL
TRUNCATE t;
SQL
)"
