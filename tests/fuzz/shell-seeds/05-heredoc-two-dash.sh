cat <<-A <<B | psql
	one
	A
two
B
