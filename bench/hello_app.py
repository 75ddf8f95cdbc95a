"""The baseline of every HTTP benchmark: a bare FastAPI hello, served like the services."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bench/hello")
async def hello() -> dict[str, str]:
    return {"message": "hello"}
