#!/usr/bin/env sh
# Prints the Python that `make` builds .venv with (unless PYTHON is given): the distribution's
# own Python 3.11 where it can make a virtual environment, else `python3`.
#
# Why: Debian builds its interpreter with profile-guided and link-time optimisation; a Python
# compiled from source without them (as pyenv does by default) ran the same helpdesk at about
# 0.7 of the speed (bench/README.md, "The interpreter").
for candidate in /usr/bin/python3.11; do
  if [ -x "$candidate" ] && "$candidate" -c "import venv, ensurepip" >/dev/null 2>&1; then
    echo "$candidate"
    exit 0
  fi
done
echo python3
