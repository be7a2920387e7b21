# Stand-in for amazon/aws-stepfunctions-local: sfapi's Step Functions engine
# configured by Step Functions Local's environment, port 8083. Context: a
# directory holding a static (CGO_ENABLED=0) sfapi binary.
FROM scratch
COPY sfapi /sfapi
WORKDIR /tmp
ENV TMPDIR=/tmp
EXPOSE 8083
ENTRYPOINT ["/sfapi", "standin", "stepfunctions-local"]
