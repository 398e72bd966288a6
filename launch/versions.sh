# Pinned versions of everything getps installs. Sourced by launch/setup.sh.
# Debian 12 (bookworm) package versions: setup installs exactly these when the
# archive still serves them, else the archive's current bookworm version (a
# point-release update) with a warning. PyPI wheels are pinned exactly.

GETPS_APT_PACKAGES=(
  "build-essential=12.9"
  "cmake=3.25.1-1"
  "ninja-build=1.11.1-2~deb12u1"
  "ccache=4.8+really4.7.5-1"
  "pkg-config=1.8.1-1"
  "librocksdb-dev=7.8.3-2"
  "libzstd-dev=1.5.4+dfsg2-5+deb12u1"
  "liblz4-dev=1.9.4-1"
  "libsnappy-dev=1.1.9-3"
  "libzmq3-dev=4.3.4-6"
  "cppzmq-dev=4.9.0-1"
  "libhts-dev=1.16+ds-3"
  "libboost-program-options-dev=1.74.0.3"
  "libgtest-dev=1.12.1-0.2"
  "libgmock-dev=1.12.1-0.2"
  "libopenmpi-dev=4.1.4-3+b1"
  "openmpi-bin=4.1.4-3+b1"
  "nlohmann-json3-dev=3.11.2-2"
  "libcpp-httplib-dev=0.11.4+ds-1+deb12u1"  # the status server
  "libxxhash-dev=0.8.1-1"                  # file digests (XXH3)
  "clang-14=1:14.0.6-12"                   # the libFuzzer targets (tests/fuzz)
  "libclang-rt-14-dev=1:14.0.6-12"         # libFuzzer and the sanitizer runtimes for clang
  "llvm-14=1:14.0.6-12"                    # llvm-symbolizer for sanitizer reports
  "zlib1g-dev"
  "python3=3.11.2-1+b1"
  "python3-venv=3.11.2-1+b1"
  "python3-dev=3.11.2-1+b1"
  "bedtools=2.30.0+dfsg-3"
  "tabix=1.16+ds-3"
  "bcftools=1.16-1"                    # writes and indexes the VCF/BCF inputs of the genotype tests
  "samtools=1.16.1-1"
  "chromium=156.0.8078.114-1~deb12u1"  # renders the HTML report in its test
  "libhdf5-dev=1.10.8+repack1-1"       # --rna: 10x .h5 and AnnData .h5ad (HDF5 C API)
  "slurmctld=22.05.8-4+deb12u3"        # the Slurm tests' own single-node cluster (tests/slurm_cluster.py)
  "slurmd=22.05.8-4+deb12u3"
  "slurm-client=22.05.8-4+deb12u3"     # sbatch, srun (with the pmix plugin), scontrol
  "munge=0.5.15-2+deb12u1"             # Slurm's authentication
  "iproute2=6.1.0-3"                   # ip netns, tc: the several-host tests and bench/rate_limited_bench.py
)

GETPS_TORCH_VERSION=2.11.0
GETPS_PY_PACKAGES=(
  "torch==${GETPS_TORCH_VERSION}"
  "numpy==2.3.5"
  "scipy==1.16.3"
  "MOODS-python==1.9.4.1"
  "h5py==3.15.1"  # writes the .h5/.h5ad inputs of the --rna tests
)
