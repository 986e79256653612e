#!/usr/bin/env sh
# Prints the Python that `make` builds .venv with (unless PYTHON is given): the distribution's
# own Python 3.11 where it can make a virtual environment, else `python3`.
#
# Why: Debian builds its interpreter with profile-guided and link-time optimisation; a Python
# compiled from source without them (as pyenv does by default) answered 0.7-0.8 of the
# messages a second with the same helpdesk (bench/README.md, "On the distribution's optimised
# Python 3.11").
system=/usr/bin/python3.11
if [ -x "$system" ] && "$system" -c "import venv, ensurepip" >/dev/null 2>&1; then
  echo "$system"
else
  echo python3
fi
