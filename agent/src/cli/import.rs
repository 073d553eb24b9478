//! `skopos import postman|openapi|har|hurl|curl`: existing checks made into collection files, with every thing
//! that could not be carried over printed and written into the file as a comment.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use skopos_import::{
    HurlOptions, Imported, PostmanOptions, import_curl, import_grpcurl, import_har, import_hurl_with, import_openapi,
    import_postman,
};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A Postman Collection (v2.0 or v2.1), with a Postman environment.
    Postman {
        file: PathBuf,
        /// A Postman environment file: its values become collection variables.
        #[arg(long = "env", value_name = "ENV_FILE")]
        environment: Option<PathBuf>,
        /// A Postman globals file: its values become collection variables, below the
        /// collection's own and the environment's.
        #[arg(long = "globals", value_name = "GLOBALS_FILE")]
        globals: Option<PathBuf>,
        /// One collection per top-level folder, instead of one for the whole file.
        #[arg(long)]
        split: bool,
        #[command(flatten)]
        output: Output,
    },
    /// An OpenAPI 3.0 or 3.1 document (YAML or JSON): a smoke collection with a step per
    /// operation that can be called with what the document gives.
    Openapi {
        file: PathBuf,
        /// Also operations that change data (POST, PUT, PATCH, DELETE) that have examples.
        #[arg(long = "unsafe")]
        include_unsafe: bool,
        #[command(flatten)]
        output: Output,
    },
    /// A browser recording (HAR): its API calls become the steps of one collection, with
    /// values from earlier responses turned into references.
    Har {
        file: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// A Hurl file: its entries become the steps of one collection.
    Hurl {
        file: PathBuf,
        /// Follow redirects in every entry, as `hurl --location` does (an entry's
        /// `[Options] location:` still wins).
        #[arg(long)]
        location: bool,
        #[command(flatten)]
        output: Output,
    },
    /// One or more curl command lines (as "Copy as cURL" writes them); `-` reads them from
    /// standard input.
    Curl {
        #[arg(required = true)]
        commands: Vec<String>,
        /// The collection's name.
        #[arg(long, default_value = "imported from curl")]
        name: String,
        #[command(flatten)]
        output: Output,
    },
    /// One or more grpcurl command lines (as shared, or as Postman writes a gRPC request's
    /// code snippet), one per line, in a file; `-` reads them from standard input.
    Grpcurl {
        file: PathBuf,
        /// The collection's name (the file's name by default).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Args)]
pub struct Output {
    /// The folder to write the collection files to (created when missing).
    #[arg(short = 'o', long = "out", default_value = ".")]
    dir: PathBuf,
}

pub fn import(command: ImportCommand) -> u8 {
    let (source, imported, output) = match read(command) {
        Ok(read) => read,
        Err(error) => {
            eprintln!("skopos import: {error}");
            return EXIT_INVALID;
        }
    };
    match write_all(&source, &imported, &output.dir) {
        Ok(()) => EXIT_OK,
        Err(error) => {
            eprintln!("skopos import: {error}");
            EXIT_FAILED
        }
    }
}

fn read(command: ImportCommand) -> Result<(String, Vec<Imported>, Output), String> {
    match command {
        ImportCommand::Postman { file, environment, globals, split, output } => {
            let collection = read_json(&file)?;
            let environment = environment.as_deref().map(read_json).transpose()?;
            let globals = globals.as_deref().map(read_json).transpose()?;
            let imported = import_postman(&collection, &PostmanOptions { split, environment, globals })
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((file.display().to_string(), imported, output))
        }
        ImportCommand::Openapi { file, include_unsafe, output } => {
            let document = read_json(&file)?;
            let imported = import_openapi(&document, include_unsafe).map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((file.display().to_string(), vec![imported], output))
        }
        ImportCommand::Har { file, output } => {
            let har = read_json(&file)?;
            let name = file.file_stem().map_or_else(|| "recording".into(), |stem| stem.to_string_lossy().into_owned());
            let imported = import_har(&har, &name).map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((file.display().to_string(), vec![imported], output))
        }
        ImportCommand::Hurl { file, location, output } => {
            let text = skopos_core::document::read_text(&file).map_err(|problem| problem.to_string())?;
            let name = file.file_stem().map_or_else(|| "hurl".into(), |stem| stem.to_string_lossy().into_owned());
            // Hurl reads the files an entry sends beside the Hurl file; the collection names
            // them from where it is written.
            let hurl_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            let options = HurlOptions {
                files: relative_path(&output.dir, &hurl_dir),
                written_to: Some(output.dir.clone()),
                location,
            };
            let imported = import_hurl_with(&text, &name, &options).map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((file.display().to_string(), vec![imported], output))
        }
        ImportCommand::Curl { commands, name, output } => {
            let text = if commands == ["-"] {
                std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))?
            } else {
                commands.join("\n")
            };
            Ok(("curl".into(), vec![import_curl(&text, &name)?], output))
        }
        ImportCommand::Grpcurl { file, name, output } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))?
            } else {
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?
            };
            let stem = file.file_stem().map_or_else(|| "grpcurl".into(), |stem| stem.to_string_lossy().into_owned());
            let imported = import_grpcurl(&text, name.as_deref().unwrap_or(&stem))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((file.display().to_string(), vec![imported], output))
        }
    }
}

/// `to` as seen from `from` (both folders): `../hurl` from `out` to `hurl`; absolute when
/// they share nothing.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let absolute = |path: &Path| {
        let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
        std::fs::create_dir_all(path).ok();
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    };
    let (from, to) = (absolute(from), absolute(to));
    let common = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to;
    }
    let mut relative = PathBuf::new();
    for _ in from.components().skip(common) {
        relative.push("..");
    }
    for part in to.components().skip(common) {
        relative.push(part);
    }
    relative
}

/// A JSON (or YAML) file, its problems located as `file:line:column`.
fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    skopos_core::document::Document::read(path).map(|document| document.value).map_err(|problem| problem.to_string())
}

fn write_all(source: &str, imported: &[Imported], dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut taken = std::collections::HashSet::new();
    for collection in imported {
        collection
            .check()
            .map_err(|e| format!("the imported collection `{}` does not check out: {e}", collection.name))?;
        let file = dir.join(super::export::file_name("collection", &collection.name, &mut taken));
        let mut text = format!("# Imported from {source} by `skopos import`.\n");
        if !collection.notes.is_empty() {
            text.push_str("# Not carried over (check these by hand):\n");
            for note in &collection.notes {
                text.push_str(&format!("#   {}\n", note.replace('\n', " ")));
            }
        }
        text.push_str(&skopos_core::document::write_yaml(&collection.spec()));
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let assertions: usize = collection.steps.iter().map(|s| s["assert"].as_array().map_or(0, Vec::len)).sum();
        println!(
            "wrote {} ({} steps, {assertions} assertions, {} not carried over)",
            file.display(),
            collection.steps.len(),
            collection.notes.len()
        );
        for note in &collection.notes {
            println!("  - {note}");
        }
    }
    Ok(())
}
