psql <<EOF
no delimiter $(date) ${x}
