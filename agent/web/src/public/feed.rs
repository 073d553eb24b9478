//! The Atom feed (RFC 4287) of a status page's incidents: one entry per incident, its
//! updates as the content, newest incident first.

use std::fmt::Write;

use super::html::{escape, status_words};
use skopos_service::status_page::PageView;

pub fn feed(view: &PageView, page_url: &str) -> String {
    let mut feed = String::with_capacity(2048);
    let _ = write!(
        feed,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <id>urn:skopos:status-page:{}</id><title>{} incidents</title><updated>{}</updated>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><link rel=\"self\" type=\"application/atom+xml\" href=\"{}/feed.atom\"/>\
         <generator>Skopos</generator>",
        view.id,
        escape(&view.title),
        view.updated_at.to_rfc3339(),
        escape(page_url),
        escape(page_url)
    );
    for incident in view.open_incidents.iter().chain(&view.past_incidents) {
        let mut content = String::from("<ul>");
        for update in incident.updates.iter().rev() {
            let _ = write!(
                content,
                "<li><strong>{}</strong> ({}): {}</li>",
                status_words(update.status),
                update.at.format("%Y-%m-%d %H:%M UTC"),
                escape(&update.message)
            );
        }
        content.push_str("</ul>");
        let _ = write!(
            feed,
            "<entry><id>urn:skopos:incident:{}</id><title>{} ({})</title><published>{}</published><updated>{}</updated>\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><content type=\"html\">{}</content></entry>",
            incident.id,
            escape(&incident.title),
            status_words(incident.status),
            incident.started_at.to_rfc3339(),
            incident.updated_at.to_rfc3339(),
            escape(page_url),
            escape(&content)
        );
    }
    feed.push_str("</feed>\n");
    feed
}
