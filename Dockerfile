# The sfapi image: the static sfapi binary and nothing else, running
# `sfapi dev` on the project mounted at /project and listening on every
# interface of the container:
#
#   docker run --rm -v "$PWD:/project:ro" -p 8080:8080 -p 4566:4566 -p 8081:8081 sfapi:dev
#
#   8080  the project's REST API       4566  DynamoDB, Streams, Step Functions, EventBridge
#   8081  the WebSocket push API       /data the state (a volume, or lost with the container)
#
# Built by goreleaser (dockers_v2, which stages each platform's binary at
# <os>/<arch>/sfapi in the build context) and by scripts/build-image.sh,
# which stages it the same way; neither needs anything pulled: FROM scratch.
FROM scratch
ARG TARGETPLATFORM=linux/amd64
COPY ${TARGETPLATFORM}/sfapi /sfapi
# scratch has no directories: WORKDIR creates the temporary directory
# (in-memory stores live there) and the data directory.
WORKDIR /tmp
WORKDIR /data
ENV TMPDIR=/tmp \
    SFAPI_PROJECT=/project \
    SFAPI_DATA_DIR=/data \
    SFAPI_API_ADDR=0.0.0.0:8080 \
    SFAPI_AWS_ADDR=0.0.0.0:4566 \
    SFAPI_WS_ADDR=0.0.0.0:8081
EXPOSE 8080 4566 8081
VOLUME ["/data"]
ENTRYPOINT ["/sfapi", "dev"]
