//! The SQS SDK's HTTP client, over the same reqwest stack as the cloud's: the SDK's own
//! client would need TLS and proxies set up a second time (its hand-built form has no
//! proxy at all), and two set-ups drift. SQS's requests and answers are small and whole,
//! so each is passed across as bytes.

use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

#[derive(Debug, Clone)]
struct OverReqwest {
    http: reqwest::Client,
}

impl HttpConnector for OverReqwest {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let http = self.http.clone();
        HttpConnectorFuture::new(async move {
            let method = reqwest::Method::from_bytes(request.method().as_bytes())
                .map_err(|error| ConnectorError::user(error.into()))?;
            let mut outgoing = http.request(method, request.uri());
            for (name, value) in request.headers().iter() {
                outgoing = outgoing.header(name, value);
            }
            let body = request.body().bytes().map(<[u8]>::to_vec).unwrap_or_default();
            let response = outgoing.body(body).send().await.map_err(connector_error)?;
            let status = StatusCode::try_from(response.status().as_u16())
                .map_err(|error| ConnectorError::other(error.into(), None))?;
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(connector_error)?;
            let mut answer = HttpResponse::new(status, SdkBody::from(body));
            for (name, value) in &headers {
                if let Ok(value) = value.to_str() {
                    answer.headers_mut().append(name.as_str().to_owned(), value.to_owned());
                }
            }
            Ok(answer)
        })
    }
}

/// The SDK tells a timeout from a failed connection: so does reqwest.
fn connector_error(error: reqwest::Error) -> ConnectorError {
    if error.is_timeout() {
        ConnectorError::timeout(error.into())
    } else {
        ConnectorError::io(error.into())
    }
}

pub(super) fn client(builder: reqwest::ClientBuilder) -> Result<SharedHttpClient, reqwest::Error> {
    let connector = SharedHttpConnector::new(OverReqwest { http: builder.build()? });
    Ok(http_client_fn(move |_settings, _components| connector.clone()))
}
