# vigil on Debian 12 (bookworm).
#
#   docker build -t vigil:0.1.0 .
#   docker run --rm -p 9090:9090 -v "$PWD/vigil.yml:/etc/vigil/vigil.yml:ro" vigil:0.1.0
#
# The build stage installs exactly what scripts/install-deps.sh installs for
# developers and CI, and builds only the binary; the runtime stage has the
# shared libraries it links and nothing else, and runs as nobody (65534),
# the user deploy/kubernetes/deployment.yaml asks for.

FROM debian:bookworm AS build
WORKDIR /src
# The dependency script alone first, so its layer survives source edits.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# The context has no .git: pass what `vigil version` should report, e.g.
#   --build-arg VIGIL_REVISION=$(git rev-parse HEAD)
#   --build-arg VIGIL_BRANCH=$(git rev-parse --abbrev-ref HEAD)
ARG VIGIL_REVISION=""
ARG VIGIL_BRANCH=""
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF \
    && cmake --build /build --target vigil \
    && install -D -m 0755 -s /build/exporter/vigil /out/usr/local/bin/vigil

FROM debian:bookworm-slim
# The libraries `ldd vigil` lists (their own dependencies come with them),
# and CA certificates for https scrape targets and Alertmanagers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       ca-certificates \
       libabsl20220623 \
       libcivetweb1 \
       libcurl4 \
       libjemalloc2 \
       libprometheus-cpp-core1.0 \
       libprotobuf32 \
       libre2-9 \
       libsnappy1v5 \
       libssl3 \
       libstdc++6 \
       libyaml-cpp0.7 \
       libzstd1 \
       zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /etc/vigil /var/lib/vigil \
    && chown 65534:65534 /var/lib/vigil
COPY --from=build /out/ /
USER 65534:65534
WORKDIR /var/lib/vigil
EXPOSE 9090
ENTRYPOINT ["vigil"]
CMD ["run", "--config.file=/etc/vigil/vigil.yml"]
