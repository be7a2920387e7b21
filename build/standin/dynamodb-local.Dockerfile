# Stand-in for amazon/dynamodb-local: sfapi's DynamoDB engine behind DynamoDB
# Local's command line, port 8000. Context: a directory holding a static
# (CGO_ENABLED=0) sfapi binary. Built by build.sh or by the containers tests.
FROM scratch
COPY sfapi /sfapi
# scratch has no /tmp; WORKDIR creates it (the -inMemory store lives there).
WORKDIR /tmp
ENV TMPDIR=/tmp
EXPOSE 8000
ENTRYPOINT ["/sfapi", "standin", "dynamodb-local"]
CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]
