namespace FluxServe.Pipelines.Redux;

/// <summary>How an image becomes the SigLIP tower's square input (spec/redux.md §3; the two references differ).</summary>
public enum SiglipPreprocessing
{
    /// <summary>
    /// ComfyUI's <c>CLIPVisionEncode</c> (crop "center"), the API's reference: shortest side scaled to the input size
    /// (Python rounding) with antialiased bicubic on float pixels, center crop, 8-bit quantisation, normalisation.
    /// </summary>
    ComfyUi,

    /// <summary>
    /// HF's <c>SiglipImageProcessor</c> as BFL and diffusers call it: the 8-bit image resized straight to the square
    /// (aspect ratio not kept) with Pillow's bicubic, then ×1/255 and normalisation.
    /// </summary>
    HuggingFace,
}
