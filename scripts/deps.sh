# Sourced by scripts/demo and scripts/test: installs the Debian packages pricewar needs,
# doing nothing when they are all present.
pricewar_packages=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libboost-dev libboost-graph-dev libboost-program-options-dev libboost-random-dev libboost-math-dev
  libhdf5-dev zlib1g-dev libfmt-dev libtomlplusplus-dev doctest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin slurm-wlm munge libnlopt-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-statsmodels python3-scipy
  python3-sklearn chromium
  python3-xarray python3-h5netcdf python3-dev python3-venv python3-pip python3-setuptools python3-wheel pybind11-dev
)

pricewar_install_deps() {
  local missing=()
  local p
  for p in "${pricewar_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pricewar_jobs() { nproc 2>/dev/null || echo 2; }
